"""SendCloud wire format: parameter sources, value types, the JSON envelope."""
