"""The onboard fast path's models: a perception encoder and a decision policy distilled from
Sys2 (see :mod:`pepa.agent.policy.model`), their data (:mod:`pepa.agent.policy.teacher`),
training and model files. Modules that need torch import it themselves; importing this
package does not."""
