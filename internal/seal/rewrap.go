package seal

// RewrapDataKey re-wraps a data key made by WrapDataKey under the current
// master key, for the same tenant and version, without the caller ever
// holding the key. It fails like UnwrapDataKey.
func (k *Keyring) RewrapDataKey(tenant string, version uint32, wrapped []byte) ([]byte, error) {
	return k.rewrap(wrapped, dekContext(tenant, version))
}

// RewrapIndexKey re-wraps an index key made by WrapIndexKey under the
// current master key. It fails like UnwrapIndexKey.
func (k *Keyring) RewrapIndexKey(tenant string, wrapped []byte) ([]byte, error) {
	return k.rewrap(wrapped, indexKeyContext(tenant))
}

func (k *Keyring) rewrap(blob, context []byte) ([]byte, error) {
	pt, err := k.Unwrap(blob, context)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return k.Wrap(pt, context)
}

// BlobKeyVersion returns the key version (master key ID or data key
// version) that a blob made by this package names, without opening it. It
// fails for blobs of the wrong shape.
func BlobKeyVersion(blob []byte) (uint32, error) { return blobVersion(blob) }
