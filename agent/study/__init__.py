"""The personality study: many runs, stability, trait claims, ablations, memory QA, a report."""
