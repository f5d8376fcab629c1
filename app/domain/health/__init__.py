"""Training health: rules that watch runs as they train (non-finite values, spikes,
divergence, stalls, throughput drops), open alerts through the alert path and may cancel
the run's training job."""
