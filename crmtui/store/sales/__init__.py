"""sales: from opportunity to offer. Imports customers, org and kernel (not pool: a deal does not move owners).

- pipelines.py: pipelines and their stages, the default one a new database starts with.
- deals.py: deals (商机) moving through stages, every move kept; the stuck rule and time in stage.
- products.py: the catalogue; lines.py: a quote's or contract's priced lines and the one line-total rule.
- quotes.py: quotes (报价), draft to sent to accepted or rejected (accepting makes a contract: money/acceptance.py).
"""
