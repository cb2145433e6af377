package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadOrdersAndRefusesBadNames(t *testing.T) {
	ms, err := Load(fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/readme.txt":     {Data: []byte("ignored")},
	}, "m", "test")
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[0].Name != "0002_first" || ms[1].SQL != "B" {
		t.Fatalf("Load = %+v, %v", ms, err)
	}
	for name, files := range map[string]fstest.MapFS{
		"no version":     {"m/init.sql": {}},
		"zero version":   {"m/0000_x.sql": {}},
		"shared version": {"m/0001_a.sql": {}, "m/01_b.sql": {}},
	} {
		if _, err := Load(files, "m", "test"); err == nil || !strings.HasPrefix(err.Error(), "test: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
