/* BibTeX entries of the papers the checks test (overparam list --bibtex). One place:
 * a check names its entries by key in th_check.cite, and th_bibtex looks them up, so
 * a paper that two checks test is written once. Fields: authors, title, venue, year
 * and the arXiv number where there is one; page numbers only where verified. */
#include <string.h>

#include "check.h"

typedef struct {
    const char *key, *entry;
} th_bib;

static const th_bib BIB[] = {
    {"belkin2019reconciling",
     "@article{belkin2019reconciling,\n"
     "  author = {Belkin, Mikhail and Hsu, Daniel and Ma, Siyuan and Mandal, Soumik},\n"
     "  title = {Reconciling modern machine-learning practice and the classical bias--variance trade-off},\n"
     "  journal = {Proceedings of the National Academy of Sciences},\n"
     "  volume = {116}, number = {32}, year = {2019},\n"
     "  eprint = {1812.11118}, archivePrefix = {arXiv}\n}"},
    {"xu2021how",
     "@inproceedings{xu2021how,\n"
     "  author = {Xu, Keyulu and Zhang, Mozhi and Li, Jingling and Du, Simon S. and Kawarabayashi, Ken-ichi and "
     "Jegelka, Stefanie},\n"
     "  title = {How Neural Networks Extrapolate: From Feedforward to Graph Neural Networks},\n"
     "  booktitle = {International Conference on Learning Representations (ICLR)},\n"
     "  year = {2021},\n"
     "  eprint = {2009.11848}, archivePrefix = {arXiv}\n}"},
    {"chen2021how",
     "@inproceedings{chen2021how,\n"
     "  author = {Chen, Zixiang and Cao, Yuan and Zou, Difan and Gu, Quanquan},\n"
     "  title = {How Much Over-parameterization Is Sufficient to Learn Deep {ReLU} Networks?},\n"
     "  booktitle = {International Conference on Learning Representations (ICLR)},\n"
     "  year = {2021},\n"
     "  eprint = {1911.12360}, archivePrefix = {arXiv}\n}"},
    {"ji2020polylogarithmic",
     "@inproceedings{ji2020polylogarithmic,\n"
     "  author = {Ji, Ziwei and Telgarsky, Matus},\n"
     "  title = {Polylogarithmic width suffices for gradient descent to achieve arbitrarily small test error with "
     "shallow {ReLU} networks},\n"
     "  booktitle = {International Conference on Learning Representations (ICLR)},\n"
     "  year = {2020},\n"
     "  eprint = {1909.12292}, archivePrefix = {arXiv}\n}"},
    {"jacot2018neural",
     "@inproceedings{jacot2018neural,\n"
     "  author = {Jacot, Arthur and Gabriel, Franck and Hongler, Cl{\\'e}ment},\n"
     "  title = {Neural Tangent Kernel: Convergence and Generalization in Neural Networks},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 31 (NeurIPS)},\n"
     "  year = {2018},\n"
     "  eprint = {1806.07572}, archivePrefix = {arXiv}\n}"},
    {"arora2019exact",
     "@inproceedings{arora2019exact,\n"
     "  author = {Arora, Sanjeev and Du, Simon S. and Hu, Wei and Li, Zhiyuan and Salakhutdinov, Ruslan and "
     "Wang, Ruosong},\n"
     "  title = {On Exact Computation with an Infinitely Wide Neural Net},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 32 (NeurIPS)},\n"
     "  year = {2019},\n"
     "  eprint = {1904.11955}, archivePrefix = {arXiv}\n}"},
    {"lee2019wide",
     "@inproceedings{lee2019wide,\n"
     "  author = {Lee, Jaehoon and Xiao, Lechao and Schoenholz, Samuel S. and Bahri, Yasaman and Novak, Roman and "
     "Sohl-Dickstein, Jascha and Pennington, Jeffrey},\n"
     "  title = {Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient Descent},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 32 (NeurIPS)},\n"
     "  year = {2019},\n"
     "  eprint = {1902.06720}, archivePrefix = {arXiv}\n}"},
    {"fang2021modeling",
     "@inproceedings{fang2021modeling,\n"
     "  author = {Fang, Cong and Lee, Jason D. and Yang, Pengkun and Zhang, Tong},\n"
     "  title = {Modeling from Features: a Mean-field Framework for Over-parameterized Deep Neural Networks},\n"
     "  booktitle = {Conference on Learning Theory (COLT)},\n"
     "  year = {2021},\n"
     "  eprint = {2007.01452}, archivePrefix = {arXiv}\n}"},
    {"fang2022convex",
     "@article{fang2022convex,\n"
     "  author = {Fang, Cong and Gu, Yihong and Zhang, Weizhong and Zhang, Tong},\n"
     "  title = {Convex Formulation of Overparameterized Deep Neural Networks},\n"
     "  journal = {IEEE Transactions on Information Theory},\n"
     "  year = {2022},\n"
     "  eprint = {1911.07626}, archivePrefix = {arXiv}\n}"},
    {"levina2004maximum",
     "@inproceedings{levina2004maximum,\n"
     "  author = {Levina, Elizaveta and Bickel, Peter J.},\n"
     "  title = {Maximum Likelihood Estimation of Intrinsic Dimension},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 17 (NIPS)},\n"
     "  year = {2004}\n}"},
    {"facco2017estimating",
     "@article{facco2017estimating,\n"
     "  author = {Facco, Elena and d'Errico, Maria and Rodriguez, Alex and Laio, Alessandro},\n"
     "  title = {Estimating the intrinsic dimension of datasets by a minimal neighborhood information},\n"
     "  journal = {Scientific Reports},\n"
     "  volume = {7}, pages = {12140}, year = {2017}\n}"},
    {"sharma2022scaling",
     "@article{sharma2022scaling,\n"
     "  author = {Sharma, Utkarsh and Kaplan, Jared},\n"
     "  title = {Scaling Laws from the Data Manifold Dimension},\n"
     "  journal = {Journal of Machine Learning Research},\n"
     "  volume = {23}, number = {9}, year = {2022},\n"
     "  eprint = {2004.10802}, archivePrefix = {arXiv}\n}"},
    {"allenzhu2019learning",
     "@inproceedings{allenzhu2019learning,\n"
     "  author = {Allen-Zhu, Zeyuan and Li, Yuanzhi and Liang, Yingyu},\n"
     "  title = {Learning and Generalization in Overparameterized Neural Networks, Going Beyond Two Layers},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 32 (NeurIPS)},\n"
     "  year = {2019},\n"
     "  eprint = {1811.04918}, archivePrefix = {arXiv}\n}"},
    {"chen2022nonparametric",
     "@article{chen2022nonparametric,\n"
     "  author = {Chen, Minshuo and Jiang, Haoming and Liao, Wenjing and Zhao, Tuo},\n"
     "  title = {Nonparametric regression on low-dimensional manifolds using deep {ReLU} networks: function "
     "approximation and statistical recovery},\n"
     "  journal = {Information and Inference: A Journal of the IMA},\n"
     "  year = {2022},\n"
     "  eprint = {1908.01842}, archivePrefix = {arXiv}\n}"},
    {"chen2019efficient",
     "@inproceedings{chen2019efficient,\n"
     "  author = {Chen, Minshuo and Jiang, Haoming and Liao, Wenjing and Zhao, Tuo},\n"
     "  title = {Efficient Approximation of Deep {ReLU} Networks for Functions on Low Dimensional Manifolds},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 32 (NeurIPS)},\n"
     "  year = {2019}\n}"},
    {"oono2019approximation",
     "@inproceedings{oono2019approximation,\n"
     "  author = {Oono, Kenta and Suzuki, Taiji},\n"
     "  title = {Approximation and Non-parametric Estimation of {ResNet}-type Convolutional Neural Networks},\n"
     "  booktitle = {International Conference on Machine Learning (ICML)},\n"
     "  year = {2019},\n"
     "  eprint = {1903.10047}, archivePrefix = {arXiv}\n}"},
    {"liu2021besov",
     "@inproceedings{liu2021besov,\n"
     "  author = {Liu, Hao and Chen, Minshuo and Zhao, Tuo and Liao, Wenjing},\n"
     "  title = {Besov Function Approximation and Binary Classification on Low-Dimensional Manifolds Using "
     "Convolutional Residual Networks},\n"
     "  booktitle = {International Conference on Machine Learning (ICML)},\n"
     "  year = {2021},\n"
     "  eprint = {2109.02832}, archivePrefix = {arXiv}\n}"},
    {"liu2022benefits",
     "@inproceedings{liu2022benefits,\n"
     "  author = {Liu, Hao and Chen, Minshuo and Er, Siawpeng and Liao, Wenjing and Zhang, Tong and Zhao, Tuo},\n"
     "  title = {Benefits of Overparameterized Convolutional Residual Networks: Function Approximation under "
     "Smoothness Constraint},\n"
     "  booktitle = {International Conference on Machine Learning (ICML)},\n"
     "  year = {2022},\n"
     "  eprint = {2206.04569}, archivePrefix = {arXiv}\n}"},
    {"zhang2024nonparametric",
     "@inproceedings{zhang2024nonparametric,\n"
     "  author = {Zhang, Kaiqi and Zhang, Zixuan and Chen, Minshuo and Takeda, Yuma and Wang, Mengdi and "
     "Zhao, Tuo and Wang, Yu-Xiang},\n"
     "  title = {Nonparametric Classification on Low Dimensional Manifolds using Overparameterized Convolutional "
     "Residual Networks},\n"
     "  booktitle = {Advances in Neural Information Processing Systems 37 (NeurIPS)},\n"
     "  year = {2024},\n"
     "  eprint = {2307.01649}, archivePrefix = {arXiv}\n}"},
    {"madry2018towards",
     "@inproceedings{madry2018towards,\n"
     "  author = {Madry, Aleksander and Makelov, Aleksandar and Schmidt, Ludwig and Tsipras, Dimitris and "
     "Vladu, Adrian},\n"
     "  title = {Towards Deep Learning Models Resistant to Adversarial Attacks},\n"
     "  booktitle = {International Conference on Learning Representations (ICLR)},\n"
     "  year = {2018},\n"
     "  eprint = {1706.06083}, archivePrefix = {arXiv}\n}"},
    {"simongabriel2019first",
     "@inproceedings{simongabriel2019first,\n"
     "  author = {Simon-Gabriel, Carl-Johann and Ollivier, Yann and Bottou, L{\\'e}on and Sch{\\\"o}lkopf, "
     "Bernhard and Lopez-Paz, David},\n"
     "  title = {First-order Adversarial Vulnerability of Neural Networks and Input Dimension},\n"
     "  booktitle = {International Conference on Machine Learning (ICML)},\n"
     "  year = {2019},\n"
     "  eprint = {1802.01421}, archivePrefix = {arXiv}\n}"},
};

const char *th_bibtex(const char *key)
{
    for (size_t i = 0; i < sizeof BIB / sizeof BIB[0]; i++)
        if (strcmp(BIB[i].key, key) == 0) return BIB[i].entry;
    return NULL;
}
