"""The layout planner: the step-time model, the layout search, planning for a scenario, validation."""
