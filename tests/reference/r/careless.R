# Reference values for tests/test_careless.py: careless-responding indices on bfi.
#
# Run from the repository root:
#   Rscript tests/reference/r/careless.R data/raw/bfi.csv
# Writes tests/reference/careless.json.
#
# Base R only (R 4.2.2, stats), written out from the definitions, because the R
# package careless is not installed here:
#   Mahalanobis D2   stats::mahalanobis(x, colMeans(x), cov(x)) on the complete cases
#   chi-square p     pchisq(D2, df = 25, lower.tail = FALSE)
#   IRV              apply(x, 1, sd) (divisor n - 1), NA answers removed
#   longstring       rle() of each respondent's answers: longest and mean run
#                    (a missing answer ends a run and starts none)
# The first 200 complete respondents are stored; mean and covariance use all of them.

suppressMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
bfi_path <- if (length(args) >= 1) args[1] else "data/raw/bfi.csv"
bfi <- read.csv(bfi_path, colClasses = c(respondent_id = "character"))
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
           paste0("O", 1:5))
x <- as.matrix(bfi[, items])
complete <- complete.cases(x)
xc <- x[complete, ]
d2 <- mahalanobis(xc, colMeans(xc), cov(xc))
p <- pchisq(d2, df = ncol(xc), lower.tail = FALSE)

runs_of <- function(row) {
  # Split the row at missing answers, then take the runs of each piece.
  pieces <- split(row, cumsum(is.na(row)))
  lengths <- unlist(lapply(pieces, function(piece) {
    piece <- piece[!is.na(piece)]
    if (length(piece) == 0) integer(0) else rle(piece)$lengths
  }))
  if (length(lengths) == 0) c(NA, NA) else c(max(lengths), mean(lengths))
}
all_runs <- t(apply(x, 1, runs_of))
irv <- apply(x, 1, function(row) if (sum(!is.na(row)) < 2) NA else sd(row, na.rm = TRUE))

n <- 200
out <- list(
  provenance = list(
    r_version = R.version.string,
    data = "psychTools::bfi as data/raw/bfi.csv (psychTools 2.2.9)",
    script = "tests/reference/r/careless.R",
    calls = c(
      "mahalanobis(xc, colMeans(xc), cov(xc)) on the 2436 complete cases",
      "pchisq(D2, df = 25, lower.tail = FALSE)",
      "apply(x, 1, sd, na.rm = TRUE) on all 2800 respondents",
      "rle() runs per respondent, split at missing answers, all 2800"
    )
  ),
  n_complete = sum(complete),
  complete_ids = bfi$respondent_id[complete][1:n],
  mahalanobis = unname(d2[1:n]),
  mahalanobis_p = unname(p[1:n]),
  mahalanobis_sum = sum(d2),
  mahalanobis_n_p_below_0.001 = sum(p < 0.001),
  ids = bfi$respondent_id[1:n],
  irv = unname(irv[1:n]),
  longstring = unname(all_runs[1:n, 1]),
  longstring_mean = unname(all_runs[1:n, 2]),
  longstring_max_all = max(all_runs[, 1], na.rm = TRUE),
  irv_n_zero_all = sum(irv == 0, na.rm = TRUE)
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
      "tests/reference/careless.json")
