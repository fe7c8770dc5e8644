"""pool: the public pool (公海) and every rule of it. Imports customers, org and kernel.

- rules.py: a territory's pool rules: claim limit, owned cap, cooldown, warnings, reclaim days per tier.
- claims.py: listing the pool and claiming from it (领取), within the limit, the cap and the cooldown.
- owned.py: release (退回), lock and unlock, transfer to another rep.
- assign.py: batch assignment (分配): even, round robin or weighted, within the caps.
- reclaim.py: reclamation (回收) by the tier rules, one set-based pass; warnings.py: what reclaim will take soon.
- batch.py: the temporary table that moves thousands of owners in a few statements.
"""
