"""insight: what the numbers say. Imports every room below it; no room imports insight.

- agenda.py: one user's day (我的秘书): follow-ups due, reclaim warnings, stuck deals, contracts ending, instalments
  due, tickets, birthdays, customers due to buy again or at risk; each section one query over the rules below.
- reports/: the reports (`crm report NAME`): base.py the shapes and the period, then sales, activity and money.
"""
