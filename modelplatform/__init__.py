"""Offline model platform: training sets from decisions + labels, training, metrics, cards, a local
registry and champion/challenger comparison. May touch the filesystem; the scoring core (`risk.model`)
stays pure."""
