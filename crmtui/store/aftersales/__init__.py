"""aftersales: after the sale. Imports customers, org and kernel; never money.

- tickets.py: after-sales tickets (售后工单), their assignee and way to closed.
- visits.py: return visits (回访) with a satisfaction score, and their statistics.
"""
