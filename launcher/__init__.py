"""Ways to run Resonance: embedded in one process, or as separate local processes."""
