"""Policy: the target registry of the policy documents (``targets``) and the scorecard that
evaluates targets against data (``scorecard``)."""
