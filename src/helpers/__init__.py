"""Tested from-scratch code behind *Learning to Remember*.

One module per concept; importing the package has no side effects (nothing is seeded, printed,
downloaded or plotted). See the README for which chapter uses which module.
"""
__all__ = []
