"""The bottom layer: errors with their code and HTTP status, events after commit, frame helpers.

Imports Django and Channels only, never an app of ours (docs/architecture.md, "Layers").
"""
