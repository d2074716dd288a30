"""The models: what each kind is (kinds), the networks and their losses (nets, losses), your own (custom)."""
