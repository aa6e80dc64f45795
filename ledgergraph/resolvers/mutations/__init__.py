"""One mutation per module; ``runner.py`` gives each the exactly-once guarantee."""
