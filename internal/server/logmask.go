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

func (m maskingHandler) Handle(ctx context.Context, r slog.Record) error {
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
