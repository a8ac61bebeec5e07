"""Core model shared by every phase: findings, config, discovery, suppressions, baselines, cache."""
