/* fuzz_bundle.c: libFuzzer target for the bundle loader: any bytes given to
 * tlskit_config_set_keypair_mem on a fresh config must be refused or accepted cleanly, without
 * crashing, leaking or reading out of bounds. Seeds: fuzz/corpus/bundle/. */
#include <stddef.h>
#include <stdint.h>

#include <tlskit.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlskit_config *cfg = tlskit_config_new();
    if (cfg == NULL) {
        return 0;
    }
    if (tlskit_config_set_keypair_mem(cfg, "fuzz.pem", data, size) != 0) {
        /* A refusal always says why. */
        if (tlskit_config_error(cfg)[0] == '\0' ||
            tlskit_config_error_kind(cfg) == TLSKIT_ERR_NONE) {
            __builtin_trap();
        }
    }
    for (size_t i = 0; i < tlskit_config_warning_count(cfg); i++) {
        (void)tlskit_config_warning(cfg, i);
    }
    tlskit_config_free(cfg);
    return 0;
}
