#!/usr/bin/env bash
# test_fuzz_smoke.sh: every libFuzzer target builds, replays its seed corpus and fuzzes for a
# few seconds without a crash, leak or sanitizer report ('make fuzz' runs them longer).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-5}
OUT="$TLSKIT_BUILD/fuzz-smoke"
mkdir -p "$OUT"
cd "$TLSKIT_TOP" || exit 1
read -r -a SSL <<<"$(pkg-config --cflags --libs 'openssl >= 3.0')"
for f in fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    if ! clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -D_GNU_SOURCE -Iinclude -Ilib -Isrc -o "$OUT/$n" "$f" lib/*.c src/http/*.c \
        src/client/url.c "${SSL[@]}" -lm >"$T_TMP/$n.build" 2>&1; then
        not_ok "$n builds"
        sed 's/^/#   /' "$T_TMP/$n.build" | head -20
        continue
    fi
    ok "$n builds"
    mkdir -p "$OUT/$n.corpus"
    if timeout $((SECONDS_EACH + 60)) "$OUT/$n" -max_total_time="$SECONDS_EACH" \
        -print_final_stats=1 "$OUT/$n.corpus" "fuzz/corpus/${n#fuzz_}" >"$T_TMP/$n.log" 2>&1; then
        ok "$n: seed corpus and ${SECONDS_EACH}s of fuzzing, no finding ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$T_TMP/$n.log" | grep -o '[0-9]*$') runs)"
    else
        not_ok "$n found a problem"
        grep -E 'ERROR|SUMMARY|==[0-9]+==' "$T_TMP/$n.log" | head -20 | sed 's/^/#   /'
    fi
done
t_done
