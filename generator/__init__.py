"""The backprop handbook's generator: core, oracle, rendering, checks, typesetting and CLI."""
