"""The bottom of the house: findings and errors, the cell language, the model, the graph."""

VERSION = "0.1.0"
