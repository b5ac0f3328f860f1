"""The onboard fast path's models: a perception encoder and a decision policy distilled from
Sys2 (see :mod:`agent.policy.model`), their data (:mod:`agent.policy.teacher`), training and
model files. Modules that need torch import it themselves; importing this package does not."""
