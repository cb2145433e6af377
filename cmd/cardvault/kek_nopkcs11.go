//go:build !pkcs11

package main

import (
	"errors"

	"github.com/cardvault/cardvault/internal/config"
)

// errNoPKCS11 says how to get a binary that speaks to an HSM.
var errNoPKCS11 = errors.New("kek-provider pkcs11: this binary was built without PKCS#11 support " +
	"(the default build is static, without cgo); build with: CGO_ENABLED=1 go build -tags pkcs11 ./cmd/cardvault")

func openPKCS11(config.Config) (closingKEK, error) { return nil, errNoPKCS11 }

func createPKCS11Key(config.Config) error { return errNoPKCS11 }
