"""Domain operations shared by the API and the activities (below both, above db, storage, render)."""
