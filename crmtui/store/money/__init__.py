"""money: from contract to cash. Imports sales, customers, org and kernel; never aftersales.

- contracts.py: contracts (合同) with their lines, made, edited, terminated, listed with balances.
- plans.py: the payment plan (回款计划); payments.py: payments (回款) filling it oldest first, instalment status.
- invoices.py: invoices (发票), normal or special, never beyond the contract without --force.
- acceptance.py: a quote accepted becomes its contract in one transaction; detail.py: one contract in full.
"""
