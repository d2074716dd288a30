"""What a person reads and sees: the string catalogue (i18n), figures, exports, the presenter's rooms."""
