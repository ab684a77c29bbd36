"""Primitives every vendor builds on. Nothing in this package knows about a vendor."""
