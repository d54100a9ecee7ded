"""Factories of the app; MATRIX_FACTORIES: model label -> maker(org, world) for the who-sees-what matrix."""

MATRIX_FACTORIES: dict = {}
