"""The vocabulary every layer shares — stages, selection rules, id bounds, workflow ids, activity contracts.

It imports nothing from the application's packages, so the database, the API, the workflow and the activities
can all depend on it without depending on each other.
"""
