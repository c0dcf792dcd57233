"""Qt-free core: pipelines, probing, presets, naming and the upload client.

The CLI, the window and the tests all call these functions; nothing here may
import Qt (an import-linter contract in pyproject.toml checks it).
"""
