"""The GraphQL shape, by domain: object types, inputs, enums, payloads and errors."""
