"""The demo's fixed vocabulary: the team, the names, cities, brands and industries customers are made of, their
tags, titles and notes, the products sold, and the weights and shares every choice is drawn by (weighted turns
weights into the lookup tables the draws index)."""

from collections.abc import Iterable

STUCK_DAYS = (30, 30, 21, 14)  # the default pipeline's open stages, in order
TIER_WEIGHTS = (("A", 6), ("B", 16), ("C", 34), ("D", 28), ("E", 16))
POOL_SHARE = 0.15
LOCKED_SHARE = 0.03
WARN_SHARE = 0.02  # owned customers whose reclaim comes within the warning days

ADMIN = ("admin", "系统管理员")
# territory: (manager login, display name, cities of the territory)
TERRITORIES = {
    "华东": ("li.na", "李娜", ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "无锡", "温州", "济南", "青岛")),
    "华南": ("zhao.lei", "赵磊", ("广州", "深圳", "厦门", "福州", "东莞", "佛山", "南宁", "海口", "珠海", "长沙")),
    "华北": (
        "wang.qiang",
        "王强",
        ("北京", "天津", "石家庄", "太原", "呼和浩特", "大连", "沈阳", "郑州", "唐山", "保定"),
    ),
}
REP_NAMES = (
    "张伟 王芳 刘洋 陈静 杨帆 黄磊 周杰 吴敏 徐丽 孙浩 马超 朱琳 胡军 郭涛 何静 高峰 林婷 罗勇 郑洁 梁斌 "
    "谢娟 宋佳 唐明 许诺 韩雪 冯刚 邓超 曹颖 彭飞 曾强 肖红 田甜 董洁 袁鹏 潘婷 蔡明 蒋雯 余亮 杜鹃 叶青 "
    "程功 苏敏 魏东 吕俊 丁宁 任杰 沈冰 姚远 卢森 姜山 崔健 钟鸣 谭晶 陆毅 汪涵 范冰 金鑫 石磊 廖凡 邹市"
).split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞斌浩宇轩晨欣怡佳琪思雨子涵梓萱一诺博文嘉豪俊"
BRANDS = (
    "华南 华信 宏达 恒通 金桥 瑞丰 东方 长城 天成 远航 博雅 新华 中科 汇丰 鼎盛 启明 星辰 海纳 卓越 万达 "
    "盛世 嘉禾 永泰 信达 联创 智汇 同创 安泰 银河 蓝海 云帆 光明 和谐 锦程 富源 泰和 华夏 腾飞 鑫源 众诚"
).split()
INDUSTRIES = (
    ("科技", "软件"),
    ("贸易", "贸易"),
    ("实业", "制造"),
    ("电子", "电子"),
    ("医药", "医药"),
    ("物流", "物流"),
    ("建设", "建筑"),
    ("食品", "食品"),
    ("教育科技", "教育"),
    ("信息技术", "软件"),
    ("机械", "制造"),
    ("化工", "化工"),
    ("新能源", "能源"),
    ("传媒", "传媒"),
    ("环保科技", "环保"),
    ("餐饮管理", "餐饮"),
)  # name part, industry
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
EN_FIRST = "Acme Globex Initech Umbrella Stark Wayne Pacific Orient Harbor Summit Evergreen Silverline Bluewave Redstone Golden Northstar".split()
EN_KIND = ("Trading", "Technologies", "Logistics", "Industries", "Consulting", "Foods", "Electronics", "Medical")
EN_SUFFIX = ("Co., Ltd.", "Ltd.", "Inc.", "Group", "(China) Co., Ltd.")
EN_PEOPLE = "Tom Lee|Anna Smith|David Chen|Emily Wang|Michael Brown|Sarah Johnson|Kevin Liu|Grace Zhang".split("|")
SOURCES = ("官网", "展会", "转介绍", "电话营销", "广告", "合作伙伴", "老客户", "线上活动")
TAGS = ("重点客户", "老客户", "高意向", "价格敏感", "政府项目", "上市公司", "外资", "VIP", "续约", "决策慢")
TITLES = (
    "总经理",
    "采购经理",
    "财务总监",
    "技术负责人",
    "行政主管",
    "销售总监",
    "IT经理",
    "董事长助理",
    "CEO",
    "运营经理",
)
FOLLOWUP_TYPES = (("call", 38), ("wechat", 25), ("visit", 10), ("email", 10), ("meeting", 8), ("sms", 6), ("other", 3))
NOTES = (
    "电话沟通需求，客户对价格比较敏感",
    "微信发送产品资料，等待反馈",
    "上门拜访，见到采购经理",
    "发送报价单",
    "客户要求演示系统",
    "讨论合同条款",
    "客户预算下季度才批",
    "约好下周再联系",
    "技术交流，确认方案细节",
    "客户在比较竞品",
    "回访使用情况，反馈良好",
    "催款，财务说本周安排",
    "Called, left a voicemail",
    "Sent the proposal by email",
    "Demo went well, waiting for the decision",
    "",
)
STAGE_WEIGHTS = (20, 15, 12, 8, 30, 15)  # Lead, Qualified, Proposal, Negotiation, Won, Lost
LOST_REASONS = ("价格太高", "选择了竞品", "预算取消", "需求变化", "联系不上")
DEAL_TITLES = ("年度采购", "系统升级", "新项目", "设备更新", "服务续约", "扩容", "试点项目", "集团推广")
PRODUCTS = (
    ("CRM-STD", "CRM 标准版（年）", "套", 1_980_000),
    ("CRM-PRO", "CRM 专业版（年）", "套", 4_680_000),
    ("CRM-ENT", "CRM 企业版（年）", "套", 12_800_000),
    ("SEAT", "用户许可", "个", 98_000),
    ("IMPL", "实施服务", "人天", 250_000),
    ("TRAIN", "培训服务", "场", 800_000),
    ("SUPPORT", "年度技术支持", "年", 1_500_000),
    ("API", "接口开发", "项", 3_000_000),
    ("SMS", "短信包（1万条）", "包", 45_000),
    ("STORAGE", "存储扩容 100G", "个", 120_000),
    ("SERVER", "服务器", "台", 3_580_000),
    ("CONSULT", "咨询服务", "人天", 300_000),
)  # code, name, unit, unit price (cents)
TICKET_SUBJECTS = (
    "无法登录",
    "数据导出报错",
    "发票信息修改",
    "新增用户许可",
    "系统响应慢",
    "培训需求",
    "Report is blank",
    "接口对接问题",
)
VISIT_NOTES = ("使用顺利，考虑增购", "希望增加报表功能", "实施满意", "响应速度需要提升", "整体满意", "")


def weighted(pairs: Iterable[tuple], size: int = 1000) -> list:
    """A lookup table of SIZE cells, each value taking cells in proportion to its weight: table[int(r() * size)]."""
    pairs = list(pairs)
    total = sum(w for _, w in pairs)
    table: list = []
    for value, weight in pairs:
        table += [value] * round(weight * size / total)
    table += [pairs[-1][0]] * (size - len(table))
    return table[:size]
