// Package migration reads a store's embedded schema changes: files named
// NNNN_name.sql, applied in version order, each exactly once. Each store
// applies them in its own transaction and records them in its own table.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load returns the migrations matching dir/*.sql in fsys, in version order,
// refusing names without a positive version and versions used twice.
// store names the store in errors.
func Load(fsys fs.FS, dir, store string) ([]Migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("%s: migration %s: name must start with a positive version and '_'", store, base)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(base, ".sql"), SQL: string(body)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("%s: migrations %s and %s share a version", store, ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}
