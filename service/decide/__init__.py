"""The in-event decision API: publish a transaction, await the pipeline's decision within a channel deadline."""
