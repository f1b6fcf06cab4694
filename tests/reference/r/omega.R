# Reference values for tests/test_omega.py.
#
# Run from the repository root:
#   Rscript tests/reference/r/omega.R /path/to/bfi.csv /path/to/bfi_dictionary.csv \
#     /path/to/bfi_keys.csv
# (the files of /work/shared/datasets/, exported unchanged from psychTools::bfi,
# psychTools::bfi.dictionary and psychTools::bfi.keys). Writes
# tests/reference/omega.json.
#
# Two keyings of bfi: the dictionary's Keying column reverses the neuroticism items
# too (it scores emotional stability); the scoring keys (bfi.keys) do not.
#
# psych::omega (psych 2.2.9, GPArotation 2022.10.2) on bfi, 25 items, complete cases:
# fa(rotate = "varimax"), GPArotation::oblimin of the varimax loadings, a one-factor
# minres fa of the factor correlations (Schmid-Leiman), then omega.

suppressMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
bfi_path <- if (length(args) >= 1) args[1] else "/work/shared/datasets/bfi.csv"
dict_path <- if (length(args) >= 2) args[2] else
  "/work/shared/datasets/bfi_dictionary.csv"
keys_path <- if (length(args) >= 3) args[3] else "/work/shared/datasets/bfi_keys.csv"

bfi <- read.csv(bfi_path)
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
           paste0("O", 1:5))
cc <- bfi[complete.cases(bfi[, items]), items]
dict <- read.csv(dict_path)
keying <- unname(setNames(dict$Keying, dict$item)[items])
scoring_keys <- read.csv(keys_path)
scoring_sign <- setNames(ifelse(substr(scoring_keys$key, 1, 1) == "-", -1, 1),
                         sub("^-", "", scoring_keys$key))[items]
scoring_sign <- unname(scoring_sign)

mat <- function(x) unname(unclass(as.matrix(x)))

summarise <- function(om, call) {
  k <- ncol(om$schmid$oblique)
  list(
    r_call = call,
    omega_h = om$omega_h, omega_total = om$omega.tot, omega_limit = om$omega.lim,
    alpha = om$alpha, g6 = om$G6, ecv = unname(om$ECV),
    key = unname(om$key),
    # sl: general, group factors F1*..Fk*, h2, u2, p2 (after psych's flips)
    sl = mat(om$schmid$sl),
    oblique = mat(om$schmid$oblique), phi = mat(om$schmid$phi),
    gloading = as.numeric(om$schmid$gloading),
    omega_group = mat(om$omega.group),
    # items assigned to each group factor by psych (largest absolute group loading)
    group_of_item = unname(apply(om$schmid$sl, 1,
                                 function(x) which.max(abs(x[2:(k + 1)]))))
  )
}

out <- list(
  versions = list(R = R.version.string,
                  psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation"))),
  data = "bfi.csv (psychTools::bfi), items A1..O5, complete cases",
  n_obs = nrow(cc),
  items = items,
  keying = keying,
  scoring_sign = scoring_sign,
  omega_group_columns = c("total", "general", "group"),
  cases = list(
    five_flip = summarise(omega(cc, nfactors = 5, plot = FALSE),
                          "psych::omega(cc, nfactors = 5)"),
    three_flip = summarise(omega(cc, plot = FALSE), "psych::omega(cc)"),
    five_key = summarise(omega(cc, nfactors = 5, key = keying, plot = FALSE),
                         "psych::omega(cc, nfactors = 5, key = keying)"),
    three_key = summarise(omega(cc, key = keying, plot = FALSE),
                          "psych::omega(cc, key = keying)"),
    five_scoring_keys = summarise(
      omega(cc, nfactors = 5, key = scoring_sign, plot = FALSE),
      "psych::omega(cc, nfactors = 5, key = scoring_sign) with signs from bfi.keys"),
    five_noflip = summarise(omega(cc, nfactors = 5, flip = FALSE, plot = FALSE),
                            "psych::omega(cc, nfactors = 5, flip = FALSE)"),
    five_ml = summarise(omega(cc, nfactors = 5, fm = "ml", key = keying, plot = FALSE),
                        "psych::omega(cc, nfactors = 5, fm = \"ml\", key = keying)"),
    two_equal = summarise(
      suppressMessages(omega(cc[, 1:10], nfactors = 2, key = keying[1:10],
                             plot = FALSE)),
      "psych::omega(cc[, A1..C5], nfactors = 2, key = keying[1:10])")
  )
)

# schmid on a given oblique solution (psych's Phi = path): the loadings and factor
# correlations of the five-factor case.
five <- out$cases$five_key
sch <- schmid(five$oblique, Phi = five$phi)
out$schmid_given <- list(
  r_call = "psych::schmid(oblique, Phi = phi) on the five_key oblique solution",
  oblique = five$oblique, phi = five$phi, sl = mat(sch$sl),
  gloading = as.numeric(sch$gloading))

write_json(out, "tests/reference/omega.json", digits = NA, auto_unbox = TRUE,
           pretty = FALSE, matrix = "rowmajor")
cat("wrote tests/reference/omega.json\n")
