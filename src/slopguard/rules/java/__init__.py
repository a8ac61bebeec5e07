"""Java rules (servlets, Spring, JDBC/JPA, JCA crypto, JAXP, Jackson), on tree-sitter."""
