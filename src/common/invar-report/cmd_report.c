// cmd_report.c: `invar-report RUNDIR --out DIR`: renders a campaign run folder as
// DIR/README.md (the answers to Q1-Q4 computed from the data, a recommendation table, every
// table with the paper's numbers beside ours and its source files, what is missing), one CSV per
// table, and gnuplot figures in DIR/figures. Missing files, NaNs and absent models are listed,
// never fatal: whatever exists is rendered.
#include "commands.h"
#include "report_answers.h"
#include "report_data.h"
#include "report_figures.h"
#include "report_tables.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/program.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void default_paper_dir(char *out, size_t size) {
    const char *root = getenv("INVAR_ROOT");
    if (root) {
        snprintf(out, size, "%s/results/paper", root);
        if (!access(out, F_OK)) return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        snprintf(out, size, "%s/../results/paper", dirname(exe)); // bin/../results/paper
        if (!access(out, F_OK)) return;
    }
    snprintf(out, size, "results/paper");
}

static void load_paper(rd_paper *p, const char *dir, const char *file, const char *section,
                       char *notes, size_t nsize) {
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (rd_load_paper(p, path, section))
        rd_appendf(notes, nsize, "- the paper's numbers are not shown: %s\n", inv_errmsg());
}

static int emit(FILE *md, rd_table *t, const char *out_dir) {
    rd_table_markdown(t, md);
    char csv[4300];
    snprintf(csv, sizeof csv, "%s/%s.csv", out_dir, t->id);
    return rd_table_csv(t, csv);
}

int cmd_report(int argc, char **argv) {
    char *out_dir = NULL, *paper_opt = NULL;
    cli_option opts[] = {
        {"out", 'o', OPT_STRING, &out_dir, "DIR", "results folder (README.md, *.csv, figures/)", 0,
         0, 1},
        {"paper", 0, OPT_STRING, &paper_opt, "DIR",
         "the paper's tables as CSV (default: results/paper of the invar checkout)", 0, 0, 1},
    };
    cli_spec spec = {
        .prog = "invar-report",
        .usage = "RUNDIR",
        .summary =
            "Renders a campaign run folder (slurm/campaign.sh; its plan.tsv says which "
            "files the campaign makes) as DIR/README.md: the paper's questions Q1-Q4 "
            "answered from the numbers (each answer says which numbers decide it and "
            "whether they support the paper), a recommendation table, Tables 2, 3, 4, 5 "
            "and C.1 in the paper's layout with the paper's rows beside ours (bold: our "
            "best; bullet: significant, from invar-measure compare; mean +- std over "
            "folds), each caption naming the NetCDF files its numbers come from; a CSV per "
            "table; figures in DIR/figures (gnuplot): Figure 1, grid curves, C.1 "
            "(invariance over training checkpoints), E.1/E.2 heatmaps, F.1 (parallel "
            "coordinates), the world's contact sheet. Missing files, NaNs and models missing "
            "from a table are listed under the table; the rest is rendered.",
        .example = "  invar-report runs/default --out results/",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof opts[0]),
        .min_positional = 1,
        .max_positional = 1,
    };
    cli_common common = {0};
    int first = program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    if (!out_dir) program_fail(INV_EINVAL, "--out DIR is required");
    const char *run_dir = argv[first];
    static rd_run run;
    if (rd_load_run(&run, run_dir)) program_fail_last(INV_EINVAL);
    char fig_dir[4200], paper_dir[4096];
    if (paper_opt)
        snprintf(paper_dir, sizeof paper_dir, "%s", paper_opt);
    else
        default_paper_dir(paper_dir, sizeof paper_dir);
    if (mkdir(out_dir, 0777) && errno != EEXIST)
        program_fail(INV_EIO, "%s: cannot create: %s", out_dir, strerror(errno));
    snprintf(fig_dir, sizeof fig_dir, "%s/figures", out_dir);
    if (mkdir(fig_dir, 0777) && errno != EEXIST)
        program_fail(INV_EIO, "%s: cannot create: %s", fig_dir, strerror(errno));

    static char notes[16384];
    static rd_paper p2, p3, p4, p5, pc[4];
    load_paper(&p2, paper_dir, "table2_synthetic.csv", NULL, notes, sizeof notes);
    load_paper(&p3, paper_dir, "table3_realworld.csv", NULL, notes, sizeof notes);
    load_paper(&p4, paper_dir, "table4_causal3dident.csv", NULL, notes, sizeof notes);
    load_paper(&p5, paper_dir, "table5_downstream.csv", NULL, notes, sizeof notes);
    static const char *const c1[4] = {"alignment", "alignment_real", "uniformity", "acr"};
    for (int k = 0; k < 4; k++)
        load_paper(&pc[k], paper_dir, "tableC1_alternative.csv", c1[k], notes, sizeof notes);

    static rd_table t2d, t2s, t3d, t3s, t4, t5, tc[4], grid;
    rt_table2(&t2d, &run, &p2, 0);
    rt_table2(&t2s, &run, &p2, 1);
    rt_table3(&t3d, &run, &p3, 0);
    rt_table3(&t3s, &run, &p3, 1);
    rt_table4(&t4, &run, &p4);
    rt_table5(&t5, &run, &p5);
    for (int k = 0; k < 4; k++) rt_tableC1(&tc[k], &run, &pc[k], k);

    // Grids: one table and curve each; the trade-off across grid points for Q2.
    static char grid_text[8192], grid_md[65536];
    char grids[16][64];
    int ngrids = 0;
    for (int i = 0; i < run.nitems; i++) {
        if (!run.items[i].grid) continue;
        int k;
        for (k = 0; k < ngrids; k++)
            if (!strcmp(grids[k], run.items[i].grid_id)) break;
        if (k == ngrids && ngrids < 16) snprintf(grids[ngrids++], 64, "%s", run.items[i].grid_id);
    }
    int figs = rf_available(notes, sizeof notes);
    char readme[4300];
    snprintf(readme, sizeof readme, "%s/README.md", out_dir);
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", readme, (long)getpid());
    FILE *md = fopen(tmp, "w");
    if (!md) program_fail(INV_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    FILE *gm = fmemopen(grid_md, sizeof grid_md - 1, "w");
    for (int g = 0; g < ngrids; g++) {
        rt_grid(&grid, &run, grids[g]);
        if (gm) emit(gm, &grid, out_dir);
        if (figs) rf_grid(fig_dir, &grid, grids[g], notes, sizeof notes);
        // Trade-off along the grid: sign of the Spearman-free summary (pairs that move apart).
        int up = 0, pairs = 0;
        for (int a = 0; a < grid.nrows; a++)
            for (int b = a + 1; b < grid.nrows; b++) {
                const rd_cell *sa = &grid.rows[a].c[0], *aa = &grid.rows[a].c[1];
                const rd_cell *sb = &grid.rows[b].c[0], *ab = &grid.rows[b].c[1];
                if (!sa->has || !aa->has || !sb->has || !ab->has) continue;
                double ds = sb->v - sa->v, da = ab->v - aa->v;
                if (ds == 0 || da == 0) continue;
                pairs++;
                up += (ds > 0) != (da > 0);
            }
        if (pairs)
            rd_appendf(grid_text, sizeof grid_text,
                       "Grid %s: in %d of %d pairs of grid points the spatial and appearance "
                       "family similarities move in opposite directions (a trade-off is the "
                       "majority moving apart): %s.\n\n",
                       grids[g], up, pairs,
                       2 * up > pairs ? "a trade-off along the grid"
                                      : "no trade-off along the grid");
        else
            rd_appendf(grid_text, sizeof grid_text,
                       "Grid %s: no two grid points have both family similarities (stage "
                       "synthetic results missing), so it cannot show a trade-off.\n\n",
                       grids[g]);
    }
    if (gm) fclose(gm);

    fprintf(md,
            "# invar campaign `%s`: results\n\nRun folder `%s`. Every number below comes from "
            "the NetCDF file named in its table's caption; the paper's rows are *in italics* "
            "(results/paper/*.csv).\n\n",
            run.name, run_dir);
    int nfail = 0, nnever = 0, nok = 0;
    for (int j = 0; j < run.njobs; j++) {
        if (!strcmp(run.jobs[j].stage, "report")) continue;
        if (!strcmp(run.jobs[j].state, "failed"))
            nfail++;
        else if (!strcmp(run.jobs[j].state, "ok"))
            nok++;
        else
            nnever++;
    }
    fprintf(md, "Jobs: %d done, %d failed, %d not run or not finished%s\n\n", nok, nfail, nnever,
            nfail ? " (`slurm/campaign.sh status RUN_DIR` names each failed job and its log)" : "");
    ra_write(md, &run, &t2s, &t3s, &t5, grid_text);
    fprintf(md, "## Tables\n\n");
    int rc = 0;
    rc |= emit(md, &t2d, out_dir);
    rc |= emit(md, &t2s, out_dir);
    rc |= emit(md, &t3d, out_dir);
    rc |= emit(md, &t3s, out_dir);
    rc |= emit(md, &t4, out_dir);
    rc |= emit(md, &t5, out_dir);
    for (int k = 0; k < 4; k++) rc |= emit(md, &tc[k], out_dir);
    if (ngrids) fprintf(md, "## Grids\n\n%s", grid_md);
    static char cap_c1[16384], cap_f1[1024];
    if (figs) {
        rf_figure1(fig_dir, &t2s, &t3s, &t5, notes, sizeof notes);
        rf_figureC1(fig_dir, &run, cap_c1, sizeof cap_c1, notes, sizeof notes);
        rf_figureF1(fig_dir, &t2s, &t5, cap_f1, sizeof cap_f1, notes, sizeof notes);
        char path[4300], fig[4300];
        snprintf(path, sizeof path, "%s/probe/correlate_E1.nc", run_dir);
        rf_heatmap(fig_dir, "figureE1", path, "Figure E.1: Spearman rho, synthetic x real-world",
                   notes, sizeof notes);
        snprintf(path, sizeof path, "%s/probe/correlate_E2.nc", run_dir);
        rf_heatmap(fig_dir, "figureE2", path, "Figure E.2: Spearman rho, synthetic x downstream",
                   notes, sizeof notes);
        snprintf(path, sizeof path, "%s/data/world_sheet.png", run_dir);
        snprintf(fig, sizeof fig, "%s/world_sheet.png", fig_dir);
        if (!access(path, F_OK)) {
            char cmd[9000];
            snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, fig);
            if (system(cmd)) rd_appendf(notes, sizeof notes, "- could not copy %s\n", path);
        }
    }
    fprintf(md, "## Figures\n\n");
    const char *names[] = {"figure1_invariance", "figure1_downstream", "figureC1",   "figureE1",
                           "figureE2",           "figureF1",           "world_sheet"};
    const char *captions[] = {NULL, NULL, cap_c1, NULL, NULL, cap_f1, NULL};
    for (int k = 0; k < 7; k++) {
        char fig[4400];
        snprintf(fig, sizeof fig, "%s/%s.png", fig_dir, names[k]);
        if (access(fig, F_OK)) continue;
        fprintf(md, "![%s](figures/%s.png)\n\n", names[k], names[k]);
        if (captions[k] && captions[k][0]) fprintf(md, "%s\n\n", captions[k]);
    }
    for (int g = 0; g < ngrids; g++) {
        char fig[4400];
        snprintf(fig, sizeof fig, "%s/grid_%s.png", fig_dir, grids[g]);
        if (!access(fig, F_OK))
            fprintf(md, "![grid %s](figures/grid_%s.png)\n\n", grids[g], grids[g]);
    }
    if (notes[0]) fprintf(md, "## Notes\n\n%s\n", notes);
    if (fclose(md) || rename(tmp, readme)) {
        remove(tmp);
        program_fail(INV_EIO, "%s: cannot write", readme);
    }
    if (rc) program_fail_last(INV_EIO);
    log_info("invar-report: %s written (%d jobs done, %d failed, %d not run)", readme, nok, nfail,
             nnever);
    rd_free_run(&run);
    return 0;
}
