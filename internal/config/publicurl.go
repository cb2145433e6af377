package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// checkPublicURL accepts an absolute http or https URL made of a scheme and
// a host (with an optional port), nothing else: no user info, path, query
// or fragment, so links built on it cannot be steered anywhere else.
func checkPublicURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("public-url: not a URL: %v", err)
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("public-url: must start with https:// (or http://)")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("public-url: must name a host, e.g. https://vault.example.com")
	case u.User != nil:
		return errors.New("public-url: must not carry user information")
	case strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "#"):
		return errors.New("public-url: must be a scheme and host only, without path, query or fragment")
	}
	return nil
}

// PublicBase returns the configured public URL without a trailing slash,
// ready to have paths appended; empty when none is configured.
func (c Config) PublicBase() string { return strings.TrimSuffix(c.PublicURL, "/") }
