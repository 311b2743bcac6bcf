# overparam house style (the copy every figure script carries inline; keep in sync
# with src/plot/style.c, which a unit test compares with this file).
set encoding utf8
set border 3 lw 1.2 lc rgb "#333333"
set tics nomirror out scale 0.6
set grid xtics ytics mxtics mytics lc rgb "#e6e6e6" lw 1 dt 1
set key top right box opaque samplen 2.5 spacing 1.15 font ",9"
set datafile missing "NaN"
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.8
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 0.8
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 0.9
set style line 4 lc rgb "#9467bd" lw 2 pt 11 ps 0.9
set style line 5 lc rgb "#ff7f0e" lw 2 pt 13 ps 0.9
set style line 6 lc rgb "#8c564b" lw 2 pt 15 ps 0.9
set style line 7 lc rgb "#e377c2" lw 2 pt 4 ps 0.9
set style line 8 lc rgb "#17becf" lw 2 pt 6 ps 0.9
set style line 10 lc rgb "#bcbd22" lw 2 pt 8 ps 0.9
set style line 11 lc rgb "#393b79" lw 2 pt 10 ps 0.9
set style line 12 lc rgb "#637939" lw 2 pt 12 ps 0.9
set style line 13 lc rgb "#843c39" lw 2 pt 14 ps 0.9
set style line 9 lc rgb "#555555" lw 1.2 dt 3
# graded limits: ls 19 a shaded band (and its edges), ls 20-22 one-sided limits or levels
set style line 19 lc rgb "#4daf4a" lw 1 dt 1
set style line 20 lc rgb "#333333" lw 1.5 dt (12,4,2,4)
set style line 21 lc rgb "#333333" lw 1.5 dt (4,4)
set style line 22 lc rgb "#333333" lw 1.5 dt (2,3)
