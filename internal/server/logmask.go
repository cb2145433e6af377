package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cardvault/cardvault/internal/card"
)

// MaskPANs wraps a log handler so that no line it writes holds a card
// number: the message and every attribute that is text (strings, errors,
// Stringers and anything else printed with %v) pass card.MaskPANs, the
// vault's one card-number detector. Card values of the card package redact
// themselves already; this catches card numbers that arrive as plain text
// (a host name, a provider's message, a path).
func MaskPANs(h slog.Handler) slog.Handler { return maskingHandler{h} }

type maskingHandler struct{ next slog.Handler }

func (m maskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return m.next.Enabled(ctx, l)
}

// Handle masks the record and passes it on. A record with nothing to mask
// (the common case: every access log line) is passed on as it is, without
// being copied.
func (m maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	if !needsMasking(r) {
		return m.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, card.MaskPANs(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return m.next.Handle(ctx, out)
}

func (m maskingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return maskingHandler{m.next.WithAttrs(masked)}
}

func (m maskingHandler) WithGroup(name string) slog.Handler {
	return maskingHandler{m.next.WithGroup(card.MaskPANs(name))}
}

// needsMasking reports whether maskAttr could change any part of r: its
// message, a key or a string value holding a card number, or any value
// that is not a plain number, bool, time or string (those maskAttr turns
// into masked text).
func needsMasking(r slog.Record) bool {
	if card.ContainsPAN(r.Message) {
		return true
	}
	needs := false
	r.Attrs(func(a slog.Attr) bool {
		needs = attrNeedsMasking(a)
		return !needs
	})
	return needs
}

// attrNeedsMasking reports whether maskAttr would return a different a.
func attrNeedsMasking(a slog.Attr) bool {
	if card.ContainsPAN(a.Key) {
		return true
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return card.ContainsPAN(a.Value.String())
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return false
	}
	return true // groups, LogValuers and any other value
}

// maskAttr masks the text of one attribute, groups included.
func maskAttr(a slog.Attr) slog.Attr {
	a.Key = card.MaskPANs(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, card.MaskPANs(v.String()))
	case slog.KindGroup:
		g := v.Group()
		masked := make([]any, len(g))
		for i, ga := range g {
			masked[i] = maskAttr(ga)
		}
		return slog.Group(a.Key, masked...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, card.MaskPANs(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, card.MaskPANs(x.String()))
		case []byte:
			return slog.String(a.Key, card.MaskPANs(string(x)))
		default:
			return slog.String(a.Key, card.MaskPANs(fmt.Sprint(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
