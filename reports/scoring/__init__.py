"""Scoring (DESIGN.md "Scoring"): a pure pandas engine over `ScoringInputs`, a loader that reads a
period from the database into those inputs, and the persistence of runs and score cards."""
