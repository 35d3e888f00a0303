/*
 * The structure scan's loop over 64-byte blocks (see CVLXScan_scan in include/CVLXScan.h),
 * compiled once for every processor and, on x86-64, once more with AVX2 and POPCNT, which
 * are chosen at run time when the processor has them.
 */
#include "CVLXScan.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define CVLXSCAN_HAS_AVX2_PATH 1
#endif

/* The loop itself, written once; each caller passes its own classification, which is
 * inlined with it, so that each copy is compiled for its caller's instructions. */
static inline __attribute__((always_inline))
size_t scanBlocks(CVLXScan_Classes (*classify)(const uint8_t *), CVLXScan_ScanState *state,
                  const uint8_t *blocks, size_t blockCount, int lastCount, int64_t reportedDepth,
                  CVLXScan_Brackets *brackets) {
    CVLXScan_Strings strings = state->strings;
    int64_t depth = state->depth;
    int64_t depthBound = state->depthBound;
    int64_t offset = state->offset;
    size_t read = 0;
    brackets->structural = 0;
    brackets->closers = 0;
    while (read < blockCount) {
        const uint8_t *block = blocks + 64 * read;
        int count = read + 1 == blockCount ? lastCount : 64;
        read += 1;
        CVLXScan_Classes classes = classify(block);

        uint64_t escaped;
        uint64_t inside = CVLXScan_readStrings(&strings, classes.quotes, classes.backslashes, count, &escaped);

        /* The zeros that pad a short block are no input. */
        uint64_t input = count == 64 ? ~(uint64_t)0 : ((uint64_t)1 << count) - 1;
        uint64_t spacesOutside = classes.spaces & ~inside & input;
        if (spacesOutside != 0) state->whitespaceEnd = offset + 64 - __builtin_clzll(spacesOutside);

        uint64_t structural = classes.brackets & ~inside & ~escaped;
        if (structural != 0) {
            uint64_t closers = classes.closers & structural;
            int64_t closeCount = __builtin_popcountll(closers);
            int64_t bracketCount = __builtin_popcountll(structural);
            if (depth + bracketCount - closeCount > depthBound) depthBound = depth + bracketCount - closeCount;
            if (depth - closeCount > reportedDepth) {
                depth += bracketCount - 2 * closeCount;
            } else {
                /* The caller visits these brackets, moving the depth, then the offset. */
                brackets->structural = structural;
                brackets->closers = closers;
                break;
            }
        }
        offset += count;
    }
    state->strings = strings;
    state->depth = depth;
    state->depthBound = depthBound;
    state->offset = offset;
    return read;
}

#if CVLXSCAN_HAS_AVX2_PATH
/* The classes of the 64 bytes at `block`, 32 at a time. (Inlined in the scan, which reads
 * no commas, the commas' comparisons go.) */
static inline __attribute__((always_inline, target("avx2,popcnt")))
CVLXScan_Classes classifyAVX2(const uint8_t *block) {
    CVLXScan_Classes classes = {0, 0, 0, 0, 0, 0};
    const __m256i comma = _mm256_set1_epi8(',');
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i backslash = _mm256_set1_epi8('\\');
    /* With bit 0x20 set, [ reads as { and ] as }; no other byte reads as either. */
    const __m256i caseBit = _mm256_set1_epi8(0x20);
    const __m256i opener = _mm256_set1_epi8('{');
    const __m256i closer = _mm256_set1_epi8('}');
    const __m256i space = _mm256_set1_epi8(0x20);
    for (int half = 0; half < 2; half++) {
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(block + 32 * half));
        __m256i folded = _mm256_or_si256(bytes, caseBit);
        __m256i closes = _mm256_cmpeq_epi8(folded, closer);
        __m256i brackets = _mm256_or_si256(_mm256_cmpeq_epi8(folded, opener), closes);
        /* Unsigned: a byte is at most 0x20 when the larger of it and 0x20 is 0x20. */
        __m256i spaces = _mm256_cmpeq_epi8(_mm256_max_epu8(bytes, space), space);
        int shift = 32 * half;
        classes.quotes |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, quote)) << shift;
        classes.backslashes |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, backslash)) << shift;
        classes.brackets |= (uint64_t)(uint32_t)_mm256_movemask_epi8(brackets) << shift;
        classes.closers |= (uint64_t)(uint32_t)_mm256_movemask_epi8(closes) << shift;
        classes.spaces |= (uint64_t)(uint32_t)_mm256_movemask_epi8(spaces) << shift;
        classes.commas |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, comma)) << shift;
    }
    return classes;
}

__attribute__((target("avx2,popcnt")))
static CVLXScan_Classes classifyAVX2Outlined(const uint8_t *block) {
    return classifyAVX2(block);
}

__attribute__((target("avx2,popcnt")))
static size_t scanAVX2(CVLXScan_ScanState *state, const uint8_t *blocks, size_t blockCount, int lastCount,
                       int64_t reportedDepth, CVLXScan_Brackets *brackets) {
    return scanBlocks(classifyAVX2, state, blocks, blockCount, lastCount, reportedDepth, brackets);
}

/* Whether the processor has AVX2 and POPCNT, and the system saves the vector registers. */
static int hasAVX2(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int osSavesVectors = (ecx & (1u << 27)) != 0; /* OSXSAVE */
    int popcnt = (ecx & (1u << 23)) != 0;
    if (!osSavesVectors || !popcnt) return 0;
    unsigned int xcr0Low, xcr0High;
    __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    if ((xcr0Low & 6) != 6) return 0; /* SSE and AVX state */
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 5)) != 0; /* AVX2 */
}
#endif

int CVLXScan_bestLevel(void) {
#if CVLXSCAN_HAS_AVX2_PATH
    /* Any thread may be the first to ask; each finds the same answer. */
    static int best = -1;
    int level = __atomic_load_n(&best, __ATOMIC_RELAXED);
    if (level < 0) {
        level = hasAVX2() ? CVLXScan_levelAVX2 : CVLXScan_levelSSE2;
        __atomic_store_n(&best, level, __ATOMIC_RELAXED);
    }
    return level;
#elif defined(__SSE2__)
    return CVLXScan_levelSSE2;
#else
    return CVLXScan_levelBytes;
#endif
}

size_t CVLXScan_scan(int level, CVLXScan_ScanState *state, const uint8_t *blocks, size_t blockCount, int lastCount,
                     int64_t reportedDepth, CVLXScan_Brackets *brackets) {
#if CVLXSCAN_HAS_AVX2_PATH
    if (level >= CVLXScan_levelAVX2) return scanAVX2(state, blocks, blockCount, lastCount, reportedDepth, brackets);
#endif
#if defined(__SSE2__)
    if (level >= CVLXScan_levelSSE2) return scanBlocks(CVLXScan_classify, state, blocks, blockCount, lastCount, reportedDepth, brackets);
#endif
    return scanBlocks(CVLXScan_classifyBytes, state, blocks, blockCount, lastCount, reportedDepth, brackets);
}

CVLXScan_Classes CVLXScan_classifyAtLevel(int level, const uint8_t *block) {
#if CVLXSCAN_HAS_AVX2_PATH
    if (level >= CVLXScan_levelAVX2) return classifyAVX2Outlined(block);
#endif
#if defined(__SSE2__)
    if (level >= CVLXScan_levelSSE2) return CVLXScan_classify(block);
#endif
    return CVLXScan_classifyBytes(block);
}
