"""The demo city and its simulated history, behind ``seed_demo`` and ``seed_evaluation_demo``.

It sits above every other app and may import all of them; nothing imports it but the commands,
``run_platform`` and the tests.
"""
