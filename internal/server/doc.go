// Package server is cardvault's shared HTTP stack: routing of every facade
// on one mux, request ids, body limits, panic recovery, a redacting access
// log, Prometheus metrics, health probes and credential extraction.
package server
