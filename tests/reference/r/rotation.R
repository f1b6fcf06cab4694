# Reference values for tests/test_rotation.py.
#
# Run from the repository root:
#   Rscript tests/reference/r/rotation.R /path/to/bfi.csv /path/to/bfi_dictionary.csv
# (the files of /work/shared/datasets/, exported unchanged from psychTools::bfi and
# psychTools::bfi.dictionary). Writes tests/reference/rotation.json.
#
# Every rotation starts from the same fixed input, the unrotated minres loadings of
# bfi (25 items, complete cases, 5 factors), so the tests do not depend on the
# extraction. Each rotation is called exactly as psych::fa (psych 2.2.9) calls it,
# and psych::fa itself is run with each rotation to check factor order and signs.

suppressMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
bfi_path <- if (length(args) >= 1) args[1] else "/work/shared/datasets/bfi.csv"
dict_path <- if (length(args) >= 2) args[2] else
  "/work/shared/datasets/bfi_dictionary.csv"

bfi <- read.csv(bfi_path)
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
           paste0("O", 1:5))
cc <- bfi[complete.cases(bfi[, items]), items]
dict <- read.csv(dict_path)
keying <- setNames(dict$Keying, dict$item)[items]

mat <- function(x) unname(unclass(as.matrix(x)))
crit <- function(g) g$Table[nrow(g$Table), 2]
iters <- function(g) nrow(g$Table) - 1

# The fixed input: unrotated minres loadings, as psych::fa hands them to the rotation
# (columns signed so that they sum positive, ordered by sum of squares).
unrotated <- fa(cc, nfactors = 5, fm = "minres", rotate = "none")
A <- mat(unrotated$loadings)

# Key of bfi: constructs in the order A, C, E, N, O; +1 / -1 on the keyed construct.
constructs <- c("A", "C", "E", "N", "O")
key <- sapply(constructs, function(s) ifelse(substr(items, 1, 1) == s, keying, 0))
W <- 1 * (key == 0)          # cross-loadings targeted (at 0), keyed loadings free
target_partial <- matrix(0, nrow(key), ncol(key))
target_full <- key           # keyed loadings targeted at +1 / -1, the rest at 0

gpa_case <- function(name, method, options, call, g) {
  list(name = name, method = method, options = options, r_call = call,
       loadings = mat(g$loadings),
       phi = if (is.null(g$Phi)) diag(ncol(A)) else mat(g$Phi),
       rotation_matrix = mat(g$Th), criterion = crit(g), n_iter = iters(g),
       converged = g$convergence)
}

cases <- list(
  gpa_case("quartimax", "quartimax", list(), "GPArotation::quartimax(A)",
           quartimax(A)),
  gpa_case("equamax", "equamax", list(),
           "psych::equamax(A), i.e. GPArotation::cfT(A, kappa = 5 / (2 * 25))",
           psych::equamax(A)),
  gpa_case("geomin_t", "geomin_t", list(), "GPArotation::geominT(A)", geominT(A)),
  gpa_case("bentler_t", "bentler_t", list(), "GPArotation::bentlerT(A)",
           bentlerT(A)),
  gpa_case("oblimin", "oblimin", list(), "GPArotation::oblimin(A)", oblimin(A)),
  gpa_case("oblimin_gamma_0.5", "oblimin", list(gamma = 0.5),
           "GPArotation::oblimin(A, gam = 0.5)", oblimin(A, gam = 0.5)),
  gpa_case("oblimin_normalized", "oblimin", list(normalize = TRUE),
           "GPArotation::oblimin(A, normalize = TRUE)", oblimin(A, normalize = TRUE)),
  gpa_case("quartimin", "quartimin", list(), "GPArotation::quartimin(A)",
           quartimin(A)),
  gpa_case("geomin", "geomin", list(), "GPArotation::geominQ(A)", geominQ(A)),
  gpa_case("bentler", "bentler", list(), "GPArotation::bentlerQ(A)", bentlerQ(A)),
  gpa_case("target_partial", "target", list(target = "partial"),
           "GPArotation::pstQ(A, W = W, Target = 0 * W)",
           pstQ(A, W = W, Target = target_partial)),
  gpa_case("target_orthogonal_partial", "target_orthogonal",
           list(target = "partial"),
           "GPArotation::pstT(A, W = W, Target = 0 * W)",
           pstT(A, W = W, Target = target_partial)),
  gpa_case("target_full", "target", list(target = "full", full_target = TRUE),
           "GPArotation::targetQ(A, Target = key)", targetQ(A, Target = target_full)),
  gpa_case("target_orthogonal_full", "target_orthogonal",
           list(target = "full", full_target = TRUE),
           "GPArotation::targetT(A, Target = key)", targetT(A, Target = target_full))
)

# stats::varimax: no criterion nor iteration count returned; the criterion stored is
# GPArotation's varimax f on the Kaiser-normalised rotated loadings.
v <- stats::varimax(A)
h <- sqrt(rowSums(A^2))
cases[[length(cases) + 1]] <- list(
  name = "varimax", method = "varimax", options = list(),
  r_call = "stats::varimax(A)",
  loadings = mat(v$loadings), phi = diag(ncol(A)), rotation_matrix = mat(v$rotmat),
  criterion = GPArotation:::vgQ.varimax(mat(v$loadings) / h)$f)
v0 <- stats::varimax(A, normalize = FALSE)
cases[[length(cases) + 1]] <- list(
  name = "varimax_raw", method = "varimax", options = list(normalize = FALSE),
  r_call = "stats::varimax(A, normalize = FALSE)",
  loadings = mat(v0$loadings), phi = diag(ncol(A)), rotation_matrix = mat(v0$rotmat),
  criterion = GPArotation:::vgQ.varimax(mat(v0$loadings))$f)

# promax as psych::fa(rotate = "promax") does it, and psych's Promax without the outer
# Kaiser normalisation. T = t(solve(rotmat)) so that loadings = A %*% solve(t(T)).
pro <- psych::kaiser(A, rotate = "Promax")
cases[[length(cases) + 1]] <- list(
  name = "promax", method = "promax", options = list(),
  r_call = "psych::kaiser(A, rotate = \"Promax\")",
  loadings = mat(pro$loadings), phi = mat(pro$Phi),
  rotation_matrix = t(solve(pro$rotmat)))
pro0 <- psych::Promax(A)
cases[[length(cases) + 1]] <- list(
  name = "promax_raw", method = "promax", options = list(normalize = FALSE),
  r_call = "psych::Promax(A)",
  loadings = mat(pro0$loadings), phi = mat(pro0$Phi),
  rotation_matrix = t(solve(pro0$rotmat)))

# psych::fa end to end: factor order and signs after each rotation.
fa_names <- c(varimax = "varimax", quartimax = "quartimax", equamax = "equamax",
              promax = "promax", oblimin = "oblimin", quartimin = "quartimin",
              geomin = "geominQ", geomin_t = "geominT", bentler = "bentlerQ",
              bentler_t = "bentlerT")
psych_fa <- lapply(names(fa_names), function(ours) {
  f <- fa(cc, nfactors = 5, fm = "minres", rotate = fa_names[[ours]])
  list(method = ours,
       r_call = sprintf("psych::fa(cc, nfactors = 5, fm = \"minres\", rotate = \"%s\")",
                        fa_names[[ours]]),
       loadings = mat(f$loadings),
       phi = if (is.null(f$Phi)) diag(5) else mat(f$Phi))
})

# One factor: psych::fa flips a single factor so that its loadings sum positive.
one <- fa(cc[, paste0("N", 1:5)], nfactors = 1, fm = "minres")

# A small classic: Harman's eight physical variables, unrotated two-factor loadings
# as GPArotation ships them (its rotation examples start from this matrix).
data("Harman", package = "GPArotation")
A8 <- unname(Harman8)
small <- list(
  input = A8,
  r_call_input = "GPArotation::Harman8 (data(Harman))",
  oblimin = gpa_case("harman8_oblimin", "oblimin", list(),
                     "GPArotation::oblimin(A8)", oblimin(A8)),
  varimax = list(loadings = mat(stats::varimax(A8)$loadings),
                 r_call = "stats::varimax(A8)"),
  promax = list(loadings = mat(psych::kaiser(A8, rotate = "Promax")$loadings),
                phi = mat(psych::kaiser(A8, rotate = "Promax")$Phi),
                r_call = "psych::kaiser(A8, rotate = \"Promax\")"),
  geomin = gpa_case("harman8_geomin", "geomin", list(), "GPArotation::geominQ(A8)",
                    geominQ(A8))
)

out <- list(
  versions = list(R = R.version.string,
                  psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation"))),
  data = "bfi.csv (psychTools::bfi), items A1..O5, complete cases",
  n_obs = nrow(cc),
  items = items,
  input_call = "unclass(psych::fa(cc, nfactors = 5, fm = \"minres\", rotate = \"none\")$loadings)",
  input = A,
  key = unname(key),
  key_note = paste("constructs A, C, E, N, O; +1 / -1 from bfi.dictionary Keying;",
                   "partial target: W = (key == 0), Target = 0; full target: key"),
  cases = cases,
  psych_fa = psych_fa,
  one_factor = list(r_call = "psych::fa(cc[, N1..N5], nfactors = 1, fm = \"minres\")",
                    loadings = mat(one$loadings)),
  harman8 = small
)
write_json(out, "tests/reference/rotation.json", digits = NA, auto_unbox = TRUE,
           pretty = FALSE, matrix = "rowmajor")
cat("wrote tests/reference/rotation.json\n")
