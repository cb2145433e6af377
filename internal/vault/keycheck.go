package vault

// MetaMasterKeyCheck names the meta value that holds the master key check
// (see Init), so that start-up can compare the configured master key with
// an existing store before opening, and so migrating, it.
const MetaMasterKeyCheck = metaCheck
