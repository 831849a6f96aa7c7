"""Helpers of bench/compare: one module per concern (environment, machine,
timing, Python approaches, lp-starpu runs, sweep, reports)."""
