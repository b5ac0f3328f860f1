"""The onboard fast path as a pipeline: perception and generation stages as workers around a
versioned public context, in four modes (SEQ, DEC, PAR, PIPE), with a staleness rule and the
figures that compare them. See :mod:`pepa.agent.pipeline.runner`."""
