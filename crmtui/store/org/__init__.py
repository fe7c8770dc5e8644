"""org: the people and places of a sales team. Imports kernel.

- users.py: users (admin, manager, rep), their manager and territory; whose customers or numbers an actor may see.
- territories.py: territories (战区), what a new one gets (its pool rules), who works in which.
"""
