"""The model behind the lifecycle property test: its world (world.py) and its oracle (oracle.py)."""
