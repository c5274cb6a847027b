"""案卷评查: the rubric as data and its arithmetic (pure)."""
